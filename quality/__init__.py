"""Data quality: rules as data (``quality/rules/*.yml``), validated with Great Expectations,
stored per run, reported to statisticians."""
