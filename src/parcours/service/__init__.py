"""The parts of the `Parcours` facade, one module each (see parcours.application)."""
