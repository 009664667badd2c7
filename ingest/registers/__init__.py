"""Municipal registers: counts per buurt per year (police, public-space reports, Wmo, ...).

``variables`` reads the variable definitions (``data/registers/variables.yml``), ``generator``
writes the SYNTHETIC export the project ships, ``export`` reads and checks an export (synthetic or
a real one from a municipal data warehouse) into long rows.
"""
