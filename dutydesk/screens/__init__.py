"""The desk's screens: pool (home), task, client lookup, acknowledgement, escalations, help, filters.

Screens are thin: they call services in thread workers (see ``base.DeskScreen.call``) and hand the
frozen results to widgets. Nothing here is imported by the headless commands.
"""
