# tests/integration/local.mk -- build fragment (see Makefile.am)
