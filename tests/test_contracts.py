"""The regroup changed no contract: every URL with its endpoint and methods, every command
with its options, every setting and every form field recorded before the move still exists."""

from __future__ import annotations

import importlib
import inspect
import json
from pathlib import Path

import click
from flask_wtf import FlaskForm

from donations.config import SETTINGS

RECORDED = json.loads((Path(__file__).parent / "contracts_before_regroup.json").read_text())
FORM_MODULES = {
    "giving": "donations.giving.forms",
    "portal": "donations.portal.forms",
    "finance": "donations.finance.forms",
}


def test_every_url_keeps_its_endpoint_and_methods(app):
    rules = {
        f"{r.rule} {r.endpoint} {','.join(sorted(r.methods - {'HEAD', 'OPTIONS'}))}" for r in app.url_map.iter_rules()
    }
    assert sorted(set(RECORDED["routes"]) - rules) == []


def test_every_command_keeps_its_options(app):
    commands: set[str] = set()

    def walk(group: click.Group, prefix: list[str]) -> None:
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                walk(command, [*prefix, name])
            else:
                options = sorted(p.opts[-1] if getattr(p, "opts", None) else p.name for p in command.params)
                commands.add(" ".join([*prefix, name]) + " " + " ".join(options))

    walk(app.cli, [])
    assert sorted(set(RECORDED["commands"]) - commands) == []


def test_every_setting_is_still_read():
    assert sorted(set(RECORDED["settings"]) - {setting.env for setting in SETTINGS}) == []


def test_every_form_keeps_its_fields(app):
    with app.test_request_context():
        for key, fields in RECORDED["forms"].items():
            area, name = key.split(".")
            form_class = getattr(importlib.import_module(FORM_MODULES[area]), name)
            assert inspect.isclass(form_class) and issubclass(form_class, FlaskForm)
            assert sorted(set(fields) - set(form_class(meta={"csrf": False}).data)) == [], key
