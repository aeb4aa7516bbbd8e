"""One module per command-line verb, each a short function over the pipeline stages."""

from __future__ import annotations

import argparse
import importlib
from typing import Any

from briefgen.config import Config, load_config


def config_for(args: argparse.Namespace) -> Config:
    """config.yaml with the command line's overrides."""
    overrides: dict[str, Any] = {"base_url": getattr(args, "base_url", None)}
    return load_config(args.config, overrides)


def run(args: argparse.Namespace) -> int:
    """Import only the command that runs, so `briefgen new` stays instant."""
    module = importlib.import_module(f"briefgen.commands.{args.command}")
    return module.main(args)
