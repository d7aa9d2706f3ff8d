# tests/unit/protocol.mk -- build fragment (see Makefile.am)
