"""csbot: a customer-service assistant and CRM for an online shop (the shop is a pack, `bot.pack`).

Parts: `shop` (orders, returns, recommendations, demo data), `support` (escalation, tickets,
agents, ratings, ticket classifier), `conversations` (the log, transcripts, metrics), `nlu`
(entity rules, sentiment, Rasa graph components), `web` (customer API and agent console),
`runtime` (settings, database, training, processes, CLI); `services` wires them to one
database. Services import without Rasa; Rasa-specific code lives in `nlu`'s components,
`conversations.tracker_store` and `actions/`.
"""
