# tests/unit/server.mk -- build fragment (see Makefile.am)
