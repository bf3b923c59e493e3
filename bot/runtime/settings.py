"""One place for configuration: environment variables with sane defaults, read once."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bot.pack.locate import pack_dir

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GRAPH_URL = "https://graph.facebook.com/v19.0"
TELEGRAM_API_URL = "https://api.telegram.org"


class SettingsError(ValueError):
    """A configuration value is malformed; the message names the variable."""


def _port(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name, str(default))
    try:
        port = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a port number, got {raw!r}") from None
    if not 0 < port < 65536:
        raise SettingsError(f"{name} must be between 1 and 65535, got {port}")
    return port


def _positive(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name, str(default))
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if value <= 0:
        raise SettingsError(f"{name} must be above 0, got {raw!r}")
    return value


def _whole(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < 1:
        raise SettingsError(f"{name} must be at least 1, got {raw!r}")
    return value


@dataclass(frozen=True)
class Settings:
    """Where the product's parts live and listen. Build with `Settings.from_env()`."""

    project_dir: Path
    database_url: str
    shop_dir: Path  # the shop pack served (CSBOT_SHOP): catalogue, FAQ, policies, wording
    models_dir: Path
    index_dir: Path
    host: str
    web_port: int
    rasa_port: int
    actions_port: int
    rasa_url: str
    rasa_timeout_s: float = 30.0
    reopen_window: timedelta = timedelta(hours=72)
    secret_key: str | None = None
    secure_cookies: bool = False
    login_max_failures: int = 5  # free failed logins per account and address, then backoff
    login_max_failures_per_address: int = 20  # ... and per client address, across accounts
    login_max_failures_per_account: int = 100  # ... per account from addresses unknown to it
    login_backoff_s: float = 30.0  # first block; doubles with every further failure
    login_backoff_max_s: float = 900.0
    retention_days: float = 365.0  # `csbot privacy purge` deletes conversations idle longer
    internal_host: str = "127.0.0.1"
    stream_check_s: float = 0.25  # how often an open push stream looks for new messages
    stream_heartbeat_s: float = 15.0  # a comment line keeps proxies from closing it (and,
    # on a console stream, its agent online: keep it well under presence.ONLINE_WINDOW)
    stream_max_s: float = 300.0  # then the browser reconnects (and the login is checked again)
    # What one client may ask of the widget's API (bot.web.limits); over a limit: 429.
    streams_per_conversation: int = 5  # push streams open at once per chat cookie
    streams_per_address: int = 50  # ... per client address (customers may share one)
    messages_per_minute: int = 20  # messages per conversation: a burst of 20, then one per 3 s
    messages_per_minute_per_address: int = 120
    polls_per_minute_per_address: int = 600  # /api/updates and /api/history calls
    health_cache_s: float = 5.0  # /api/health reuses its answer this long (public, and costly)
    rasa_token: str | None = None
    actions_secret: str | None = None
    redis_url: str | None = None  # Rasa's lock store; in memory (one Rasa process) without
    rabbitmq_url: str | None = None  # Rasa's event broker; the log's writer is then the consumer
    rabbitmq_queue: str = "csbot_log"  # the queue `csbot log-consumer` reads
    log_backlog_limit: int = 500  # unlogged events above which health says "degraded"
    nlu_dir: Path | None = None  # where the workbench writes taught examples (data/nlu)
    faq_dir: Path | None = None  # ... FAQ phrasings and entries (the pack's faq/)
    test_stories_dir: Path | None = None  # ... conversations saved as tests (tests/stories)
    train_config: Path = Path("config.yml")  # the Rasa config a training uses (project-relative)
    rasa_replica_urls: tuple[str, ...] = ()  # every Rasa serving the bot; () = just rasa_url
    rasa_recheck_s: float = 1.0  # how often the web app asks a replica marked down (tests: less)
    public_url: str | None = None  # the web app as the platforms reach it (https://...)
    messenger_verify_token: str | None = None  # the three Messenger needs, see README Channels
    messenger_app_secret: str | None = None
    messenger_page_token: str | None = None
    messenger_graph_url: str = GRAPH_URL  # Meta's Graph API; tests point it at a fake
    telegram_token: str | None = None
    telegram_secret: str | None = None  # X-Telegram-Bot-Api-Secret-Token, set with the webhook
    telegram_bot_name: str | None = None
    telegram_api_url: str = TELEGRAM_API_URL

    @property
    def catalogue_path(self) -> Path:
        """The served pack's catalogue (products.csv)."""
        return self.shop_dir / "products.csv"

    @property
    def rasa_urls(self) -> tuple[str, ...]:
        """Every Rasa replica (CSBOT_RASA_URLS), each of which loads the model an admin
        activates; by default the one at `rasa_url`."""
        return self.rasa_replica_urls or (self.rasa_url,)

    @property
    def messenger_enabled(self) -> bool:
        """Messenger is on when its verify token, app secret and page token are all set."""
        return bool(
            self.messenger_verify_token and self.messenger_app_secret and self.messenger_page_token
        )

    @property
    def telegram_enabled(self) -> bool:
        """Telegram is on when its bot token and webhook secret are set."""
        return bool(self.telegram_token and self.telegram_secret)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        project_dir = Path(env.get("CSBOT_PROJECT_DIR", PROJECT_ROOT))
        var_dir = project_dir / "var"
        host = env.get("CSBOT_HOST", "127.0.0.1")
        internal_host = env.get("CSBOT_INTERNAL_HOST", "127.0.0.1")
        rasa_port = _port(env, "CSBOT_RASA_PORT", 5005)
        shop_dir = pack_dir(env)
        return cls(
            project_dir=project_dir,
            database_url=env.get("CSBOT_DATABASE_URL", f"sqlite:///{var_dir / 'csbot.db'}"),
            shop_dir=shop_dir,
            models_dir=Path(env.get("CSBOT_MODELS_DIR", project_dir / "models")),
            # One index per shop: two shops served from one checkout never read each other's.
            index_dir=Path(env.get("CSBOT_INDEX_DIR", var_dir / "index" / shop_dir.name)),
            host=host,
            web_port=_port(env, "CSBOT_WEB_PORT", 8000),
            rasa_port=rasa_port,
            actions_port=_port(env, "CSBOT_ACTIONS_PORT", 5055),
            rasa_url=env.get("CSBOT_RASA_URL", f"http://{internal_host}:{rasa_port}"),
            rasa_timeout_s=_positive(env, "CSBOT_RASA_TIMEOUT_S", 30),
            reopen_window=timedelta(hours=_positive(env, "CSBOT_REOPEN_HOURS", 72)),
            secret_key=env.get("CSBOT_SECRET_KEY") or None,
            secure_cookies=env.get("CSBOT_SECURE_COOKIES") == "1",
            login_max_failures=_whole(env, "CSBOT_LOGIN_MAX_FAILURES", 5),
            login_max_failures_per_address=_whole(env, "CSBOT_LOGIN_MAX_FAILURES_PER_ADDRESS", 20),
            login_max_failures_per_account=_whole(env, "CSBOT_LOGIN_MAX_FAILURES_PER_ACCOUNT", 100),
            login_backoff_s=(backoff := _positive(env, "CSBOT_LOGIN_BACKOFF_S", 30)),
            login_backoff_max_s=max(backoff, _positive(env, "CSBOT_LOGIN_BACKOFF_MAX_S", 900)),
            retention_days=_positive(env, "CSBOT_RETENTION_DAYS", 365),
            internal_host=internal_host,
            stream_check_s=_positive(env, "CSBOT_STREAM_CHECK_S", 0.25),
            stream_heartbeat_s=_positive(env, "CSBOT_STREAM_HEARTBEAT_S", 15),
            stream_max_s=_positive(env, "CSBOT_STREAM_MAX_S", 300),
            streams_per_conversation=_whole(env, "CSBOT_STREAMS_PER_CONVERSATION", 5),
            streams_per_address=_whole(env, "CSBOT_STREAMS_PER_ADDRESS", 50),
            messages_per_minute=_whole(env, "CSBOT_MESSAGES_PER_MINUTE", 20),
            messages_per_minute_per_address=_whole(
                env, "CSBOT_MESSAGES_PER_MINUTE_PER_ADDRESS", 120
            ),
            polls_per_minute_per_address=_whole(env, "CSBOT_POLLS_PER_MINUTE_PER_ADDRESS", 600),
            health_cache_s=_positive(env, "CSBOT_HEALTH_CACHE_S", 5),
            rasa_token=env.get("CSBOT_RASA_TOKEN") or None,
            actions_secret=env.get("CSBOT_ACTIONS_SECRET") or None,
            redis_url=env.get("CSBOT_REDIS_URL") or None,
            rabbitmq_url=env.get("CSBOT_RABBITMQ_URL") or None,
            rabbitmq_queue=env.get("CSBOT_RABBITMQ_QUEUE") or "csbot_log",
            log_backlog_limit=int(_positive(env, "CSBOT_LOG_BACKLOG_LIMIT", 500)),
            nlu_dir=Path(env.get("CSBOT_NLU_DIR", project_dir / "data" / "nlu")),
            faq_dir=Path(env.get("CSBOT_FAQ_DIR") or pack_dir(env) / "faq"),
            test_stories_dir=Path(
                env.get("CSBOT_TEST_STORIES_DIR", project_dir / "tests" / "stories")
            ),
            train_config=Path(env.get("CSBOT_TRAIN_CONFIG") or "config.yml"),
            rasa_replica_urls=_urls(env, "CSBOT_RASA_URLS"),
            **_channel_settings(env),
        )


def _urls(env: dict[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated http(s) URLs; a malformed one names the variable."""
    urls = tuple(u.strip().rstrip("/") for u in env.get(name, "").split(",") if u.strip())
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise SettingsError(f"{name} is a comma-separated list of http:// URLs, got {url!r}")
    return urls


def _channel_settings(env: dict[str, str]) -> dict[str, str | None]:
    """The messaging platforms' settings (README "Channels"); unset or empty: None."""
    return {
        "public_url": (env.get("CSBOT_PUBLIC_URL") or "").rstrip("/") or None,
        "messenger_verify_token": env.get("CSBOT_MESSENGER_VERIFY_TOKEN") or None,
        "messenger_app_secret": env.get("CSBOT_MESSENGER_APP_SECRET") or None,
        "messenger_page_token": env.get("CSBOT_MESSENGER_PAGE_TOKEN") or None,
        "messenger_graph_url": (env.get("CSBOT_MESSENGER_GRAPH_URL") or GRAPH_URL).rstrip("/"),
        "telegram_token": env.get("CSBOT_TELEGRAM_TOKEN") or None,
        "telegram_secret": env.get("CSBOT_TELEGRAM_SECRET") or None,
        "telegram_bot_name": env.get("CSBOT_TELEGRAM_BOT_NAME") or None,
        "telegram_api_url": (env.get("CSBOT_TELEGRAM_API_URL") or TELEGRAM_API_URL).rstrip("/"),
    }
