"""Sending reports to JCDC by e-mail: building the message (pure) and delivering it."""
