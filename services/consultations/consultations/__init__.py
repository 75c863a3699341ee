"""The consultations service: consultations of draft acts and the dialogue councils."""
