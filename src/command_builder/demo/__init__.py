"""The embedded demo workspace (configs/, runners/, command_builder.yaml).

A package only so that it ships as package data; `settings.ensure_demo_workspace` copies it
to a writable folder and everything runs there, never inside the installed package.
"""
