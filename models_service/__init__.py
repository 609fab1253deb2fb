"""Redline's model-side code: plain Python with no Django imports."""
