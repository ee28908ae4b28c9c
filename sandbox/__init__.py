"""A local Bitrix24 portal: REST + OAuth + events + a small portal UI.

It stands for an external system, so it never imports the app (b24app, handlers, jobs,
config). See sandbox/README.md for what is emulated and every assumption made.
"""
