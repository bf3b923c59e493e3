"""The agent console: login and password (`auth`), tickets (`tickets`), the review
workbench (`review`, `teach`, FAQ gaps in `gaps`), retraining the model (`model`), metrics
and the audit trail (`admin`), analytics (`analytics`), customers' data export, deletion and
deletion requests (`privacy`)."""

from aiohttp import web

from bot.web.console import admin, analytics, auth, gaps, model, privacy, review, teach, tickets

TICKET = "/console/tickets/{id:[0-9]+}"


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/console/login", auth.login_form)
    router.add_post("/console/login", auth.login)
    router.add_post("/console/logout", auth.logout)
    router.add_get("/console/password", auth.password_form)
    router.add_post("/console/password", auth.change_password)
    router.add_get("/console", tickets.queue)
    router.add_get("/console/api/queue/stream", tickets.queue_stream)
    router.add_get(TICKET, tickets.ticket)
    router.add_post(f"{TICKET}/take", tickets.take)
    router.add_post(f"{TICKET}/resolve", tickets.resolve)
    router.add_post(f"{TICKET}/correct", tickets.correct)
    router.add_post(f"{TICKET}/reassign", tickets.reassign)
    router.add_post("/console/api/tickets/{id:[0-9]+}/reply", tickets.reply)
    router.add_get("/console/api/tickets/{id:[0-9]+}/messages", tickets.ticket_messages)
    router.add_get("/console/api/tickets/{id:[0-9]+}/stream", tickets.ticket_stream)
    review.add_routes(router)
    teach.add_routes(router, review.PAGE)
    gaps.add_routes(app)
    model.add_routes(router)
    router.add_get("/console/admin/metrics", admin.metrics_page)
    router.add_get("/console/admin/metrics.png", admin.metrics_plot)
    analytics.add_routes(router)
    router.add_get("/console/admin/audit", admin.audit)
    router.add_get("/console/admin/audit.json", admin.audit_json)
    router.add_get(privacy.PAGE, privacy.page)
    router.add_post(f"{privacy.PAGE}/export", privacy.export)
    router.add_post(f"{privacy.PAGE}/delete", privacy.delete)
    router.add_post(f"{privacy.PAGE}/requests/{{id:[0-9]+}}/confirm", privacy.confirm)
    router.add_post(f"{privacy.PAGE}/requests/{{id:[0-9]+}}/reject", privacy.reject)


__all__ = ["add_routes"]
