"""5 widgets on screen at once."""

from _common import run, widgets

run(lambda page: widgets(page, 0, 5))
