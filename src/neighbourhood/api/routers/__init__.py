"""One router per capability; each handler parses, calls one package function and answers."""
