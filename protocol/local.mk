# protocol/local.mk -- libprotocol.la: the document model and wire format.
libprotocol_la_SOURCES += \
	protocol/errors.h protocol/errors.c
