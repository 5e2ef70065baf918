"""A dated, citable release of the archive: a Frictionless data package of its published
articles (``package``) and a BagIt bag of the raw files they came from (``bag``)."""
