"""The workbench's own error: a teaching step that cannot be done, said in words an admin
understands; the console shows it on the page."""


class TeachError(ValueError):
    pass
