"""Browser-test harness (see harness.py); node_modules/ here holds axe-core."""
