"""What every `warn` command shares: failing with one plain line, and the service context
built from the WARN_* variables with its start-up problems said plainly."""

import typer

from warn.config import settings_from_env


def fail(message: str) -> typer.Exit:
    typer.echo(f"warn: {message}", err=True)
    return typer.Exit(code=2)


def service_context():  # type: ignore[no-untyped-def]
    """The service context, with start-up problems (policy, templates, env) said plainly."""
    from warn.service.context import context_from_settings

    return said_plainly(lambda: context_from_settings(settings_from_env()))


def said_plainly(build):  # type: ignore[no-untyped-def]
    from warn.policy_file import PolicyFileError
    from warn.render import TemplateCheckError

    try:
        return build()
    except (PolicyFileError, TemplateCheckError, ValueError) as error:
        raise fail(str(error)) from None
