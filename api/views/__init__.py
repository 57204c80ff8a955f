"""One flask-smorest Blueprint per resource; each handler is load → one service call → dump."""
