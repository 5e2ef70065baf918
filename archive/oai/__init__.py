"""OAI-PMH 2.0 for harvesters: ``protocol`` checks requests and writes the XML (pure
Python, no Django), ``records`` reads the archive (the ORM), ``views`` joins them at /oai/."""
