"""Pure-Python extraction: bytes -> text -> article records. Never imports Django."""
