"""Settings from the environment (CONTRACT §1): every command reads the same variables."""

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_DATABASE_URL = "sqlite:///warn.db"


@dataclass(frozen=True)
class Settings:
    database_url: str
    broker_url: str | None
    policy_path: str | None

    @property
    def embedded(self) -> bool:
        """No broker configured: worker and scheduler run inside `warn serve`."""
        return not self.broker_url


def settings_from_env(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    return Settings(database_url=env.get("WARN_DATABASE_URL") or DEFAULT_DATABASE_URL,
                    broker_url=env.get("WARN_BROKER_URL") or None,
                    policy_path=env.get("WARN_POLICY") or None)
