"""Bloc plugins shipped with thidua. Each sub-package is discovered at start-up."""
