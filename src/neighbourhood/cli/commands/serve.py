"""`neighbourhood serve`: the dashboard and the REST API over the store given by --db."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import duckdb
import typer

from neighbourhood.api import ApiSettings, ConfigError, mint_token
from neighbourhood.api.settings import CONFIG_ENV, SECRET_ENV
from neighbourhood.cli.app import Settings, app
from neighbourhood.footprints import organisations
from neighbourhood.store import connect
from neighbourhood.web import AssetsMissing, create_site
from neighbourhood.web.site import DB_ENV


def _demo_pcn(db: Path) -> tuple[str, bool]:
    """The store's first PCN, and whether every load in the store was synthetic."""
    con = connect(db, read_only=True)
    try:
        found = organisations(con, org_type="pcn")
        (real,) = con.execute("SELECT count(*) FROM load_log WHERE NOT synthetic").fetchone()
        (loads,) = con.execute("SELECT count(*) FROM load_log").fetchone()
    except duckdb.Error:
        return "", False
    finally:
        con.close()
    return (found[0]["org_code"] if found else ""), bool(loads) and not real


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="API configuration (YAML): jwt_secret, api_keys, audit_log."),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=16,
            help="Server processes. Two answer 50 busy clients within 100 ms on 2 CPUs "
            "(docs/performance.md); each keeps its own results and capacity runs.",
        ),
    ] = 1,
    demo_user: Annotated[
        bool,
        typer.Option(
            "--demo-user",
            help="On a synthetic store only: print a token for the store's first PCN (8 hours). "
            "Without a configured key, a random one is made for this run.",
        ),
    ] = False,
) -> None:
    """Serve the dashboard (at /) and the REST API (OpenAPI at /docs) on the store given by
    --db."""
    settings: Settings = ctx.obj
    if not settings.db.exists():
        settings.errors.print(
            f"[red]error:[/red] no store at {settings.db}: run `neighbourhood demo`"
        )
        raise typer.Exit(2)
    try:
        api = ApiSettings.load(settings.db, config=config)
    except ConfigError as error:
        settings.errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from error
    if demo_user:
        pcn, synthetic = _demo_pcn(settings.db)
        if not synthetic or not pcn:
            settings.errors.print(
                "[red]error:[/red] --demo-user is for a synthetic store with a PCN "
                "(`neighbourhood demo`)"
            )
            raise typer.Exit(2)
        if api.jwt_secret is None:
            api = replace(api, jwt_secret=secrets.token_urlsafe(48))
            settings.console.print("No JWT key configured: a random key signs tokens for this run.")
        token, expires = mint_token(
            api.jwt_secret, user="demo", role="pcn", org_code=pcn, issuer=api.issuer
        )
        settings.console.print(
            f"SYNTHETIC store. Demo token for PCN {pcn} (role pcn), expires "
            f"{expires.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC:\n{token}",
            soft_wrap=True,
        )
        settings.console.print(
            f"Sign in to the dashboard at http://{host}:{port}/sign-in with the token, or try: "
            f"curl -H 'Authorization: Bearer <token>' http://{host}:{port}/v1/me",
            soft_wrap=True,
        )
    try:
        site = create_site(api, warm_on_start=True)
    except AssetsMissing as error:
        settings.errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from error
    import uvicorn

    settings.console.print(
        f"neighbourhood dashboard on http://{host}:{port}/ and API docs at /docs (Ctrl-C stops)"
    )
    if workers == 1:
        uvicorn.run(site, host=host, port=port, log_level="info")
        return
    # Each process builds its own site from the environment: the store, and the key made
    # for --demo-user.
    os.environ[DB_ENV] = str(settings.db.resolve())
    if api.jwt_secret:
        os.environ[SECRET_ENV] = api.jwt_secret
    if config:
        os.environ[CONFIG_ENV] = str(config.resolve())
    uvicorn.run("neighbourhood.web.site:from_environment", factory=True, workers=workers,
                host=host, port=port, log_level="info")  # fmt: skip
