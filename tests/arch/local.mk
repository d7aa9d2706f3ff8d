# tests/arch/local.mk -- the architecture check: include directions between
# the folders of server/, protocol/ and engine/, circles, private headers,
# <libwebsockets.h> only in server/net, and the 1,000-line limit. The rules
# are the table at the top of tests/arch/check-layers.py.
#   tests/arch/test_check_layers.sh  the check's own test (fixture trees)
#   tests/arch/layers.sh             the check over the real tree
#   tests/arch/merge_markers.sh      no merge-conflict markers left anywhere
TESTS += tests/arch/test_check_layers.sh
TESTS += tests/arch/layers.sh
TESTS += tests/arch/merge_markers.sh
EXTRA_DIST += tests/arch/check-layers.py tests/arch/layers.sh \
	tests/arch/merge_markers.sh \
	tests/arch/test_check_layers.sh
