"""Train: use-case cards (atop the Model tab), the form, and naming the experiment after its model."""

from __future__ import annotations

import streamlit as st

from .. import form
from ..settings import Settings
from . import form_page, light, state, widgets
from .state import PageData
from .text import md

PAGE = "train"


def render(settings: Settings) -> None:
    form_page.render(
        settings,
        PAGE,
        "Train",
        before_field={"architecture": _recommendations},
        light_after_field={"exp_name": _append_button},
    )


def _recommendations(data: PageData) -> None:
    """One card per use case of the chosen architecture; a click applies it."""
    cards = form.recommendations(data.schema, data.catalog, data.state)
    if not cards:
        return
    st.markdown("##### Recommended setups")
    for column, card in zip(st.columns(len(cards)), cards, strict=True):
        with column.container(border=True, key=f"use_case_{card.architecture}_{card.id}"):
            st.markdown(f"**{md(card.title)}**")
            st.caption(md(card.description))
            st.button(
                "Apply",
                key=f"{PAGE}.ui.use_case.{card.architecture}.{card.id}",
                on_click=_apply_use_case,
                args=(data.settings, card),
                help="Sets: " + md(", ".join(f"{k}={v}" for k, v in card.values)),
            )


def _apply_use_case(settings: Settings, card: form.Recommendation) -> None:
    data = state.load(settings, PAGE)
    new, changed = form.apply_use_case(
        data.schema, data.catalog, data.state, card.architecture, card.id
    )
    state.replace(PAGE, new)
    state.set_notice(PAGE, f"Applied “{card.title}”: " + _changes(data, new, changed))


def _changes(data: PageData, new: form.FormState, changed: frozenset[str]) -> str:
    """`Encoder resnet18 → resnet50, Batch size 16 → 8` in schema order, or `nothing changed`."""

    def shown(value: object) -> str:
        return "(unset)" if value is None else str(value)

    parts = [
        f"{e.label} {shown(data.state.values.get(e.key))} → {shown(new.values.get(e.key))}"
        for e in data.schema.elements
        if e.key in changed
    ]
    return ", ".join(parts) if parts else "nothing changed"


def _append_button(data: PageData) -> widgets.LightRun:
    """Under the experiment name, in its run of light fields."""
    item = light.LightField(
        key="ui.append_name",
        kind="button",
        label="Append architecture + encoder to experiment name",
    )
    return [(item, lambda _: _append_name(data.settings))]


def _append_name(settings: Settings) -> None:
    """exp_name -> `<exp_name>_<architecture>_<encoder>` (not twice)."""
    data = state.load(settings, PAGE)
    values = data.state.values
    suffix = "_".join(str(values[k]) for k in ("architecture", "encoder") if values.get(k))
    name = str(values.get("exp_name") or "")
    if suffix and not name.endswith(suffix):
        new_name = f"{name}_{suffix}" if name else suffix
        state.replace(
            PAGE, form.apply_change(data.schema, data.catalog, data.state, "exp_name", new_name)
        )
