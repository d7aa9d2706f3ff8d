# tests/unit/engine.mk -- build fragment (see Makefile.am)
