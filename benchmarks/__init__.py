"""`make bench`: speed figures of parcours, each a ratio measured side by side in one run."""
