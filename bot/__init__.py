"""csbot: the Kettle & Volt customer-service assistant.

Services here import without Rasa; Rasa-specific code lives in `bot.nlu` (graph components),
`actions/` (custom actions) and `bot.stack` (process runner).
"""

SHOP_NAME = "Kettle & Volt"
