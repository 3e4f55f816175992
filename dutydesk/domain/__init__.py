"""The regulation as pure code: no Textual, no SQL, no clock of its own.

Every function here takes the moment it reasons about as an argument, so
deadlines and escalations can be tested at any date (see ``dutydesk.clock``).
"""
