# protocol/local.mk -- libprotocol.la: the document model and wire format.
libprotocol_la_SOURCES += \
	protocol/errors.h protocol/errors.c \
	protocol/document.h protocol/document.c \
	protocol/fields.h protocol/fields.c protocol/effects.c protocol/refs.c \
	protocol/instruments.h protocol/instruments.c \
	protocol/ops.h protocol/ops.c protocol/undo.c \
	protocol/order.h protocol/order.c \
	protocol/json.h protocol/json.c \
	protocol/summary.h protocol/summary.c \
	protocol/json_enc.h protocol/json_enc.c \
	protocol/summary_fmt.h protocol/summary_fmt.c
