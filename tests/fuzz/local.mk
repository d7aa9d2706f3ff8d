# tests/fuzz/local.mk -- build fragment (see Makefile.am): the fuzzers.
# Every parser has a libFuzzer harness tests/fuzz/fuzz_NAME.c with a seed
# corpus tests/fuzz/corpus/NAME/:
#   decode      the engine's import path (engine/import.c and friends)
#   config      the config file and srv_config_set (server/core/config.c)
#   multipart   the multipart/form-data parser (server/net/multipart.c)
#   http_parse  URL decoding, routes, query, Bearer (server/net/http_parse.c)
#   json_body   the JSON-object request body (server/net/http_parse.c)
#   push        push application and undo (protocol/ops.h)
#   ws_message  the WebSocket envelope and field tables (server/net/ws_*.c)
#   webhook_url webhook targets, private addresses (server/activity/)
#   midi        the Standard MIDI File reader and writer (engine/midi_file.c)
#   link_body   the share link create and session bodies
#               (server/auth/link_parse.c)
#   delivery    export's normalize= and tail= (server/preview/delivery_parse.c)
#   dawproject_xml  a DAWproject project.xml: parse, schema, mapping
#               (server/interchange/dawproject_read.c, dawproject_map.c)
#   dawproject_zip  the .dawproject zip reader (server/interchange/zip_read.c)
#   s3_error    S3's error documents and s3://BUCKET (server/objstore/s3.c)
#   json_enc    the printf-free encoders = jansson/printf (protocol/json_enc.c,
#               protocol/summary_fmt.c)
#   cluster_event  the payloads of the mixroom_events channel
#               (server/cluster/event.c)
# tests/fuzz/run.sh SECONDS builds each with clang (-fsanitize=fuzzer,
# address,undefined) straight from the sources and fuzzes it for SECONDS
# (CI). Here, each harness is linked with gcc against tests/fuzz/replay.c
# into tests/fuzz/replay_NAME, which runs it over its corpus
# ($srcdir/tests/fuzz/corpus/NAME) as a unit test -- also in the
# sanitizer build of `make check-unit`.
FUZZ_REPLAYS = tests/fuzz/replay_decode tests/fuzz/replay_config \
	tests/fuzz/replay_multipart tests/fuzz/replay_http_parse \
	tests/fuzz/replay_json_body tests/fuzz/replay_push \
	tests/fuzz/replay_ws_message tests/fuzz/replay_webhook_url tests/fuzz/replay_midi tests/fuzz/replay_link_body tests/fuzz/replay_delivery \
	tests/fuzz/replay_dawproject_xml tests/fuzz/replay_dawproject_zip \
	tests/fuzz/replay_s3_error tests/fuzz/replay_json_enc tests/fuzz/replay_cluster_event
UNIT_TESTS += $(FUZZ_REPLAYS)
check_PROGRAMS += $(FUZZ_REPLAYS)
tests_fuzz_replay_json_enc_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_json_enc.c
tests_fuzz_replay_json_enc_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_CORPUS='"json_enc"'
tests_fuzz_replay_json_enc_LDADD = $(MX_TEST_LIBS)
tests_fuzz_replay_decode_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_decode.c
tests_fuzz_replay_decode_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_CORPUS='"decode"'
tests_fuzz_replay_decode_LDADD = $(MX_TEST_LIBS)
tests_fuzz_replay_config_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_config.c
tests_fuzz_replay_config_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_CORPUS='"config"'
tests_fuzz_replay_config_LDADD = $(MX_TEST_LIBS)
tests_fuzz_replay_multipart_SOURCES = tests/fuzz/replay.c \
	tests/fuzz/fuzz_multipart.c
tests_fuzz_replay_multipart_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_CORPUS='"multipart"'
tests_fuzz_replay_multipart_LDADD = $(MX_TEST_LIBS)
tests_fuzz_replay_http_parse_SOURCES = tests/fuzz/replay.c \
	tests/fuzz/fuzz_http_parse.c
tests_fuzz_replay_http_parse_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_CORPUS='"http_parse"'
tests_fuzz_replay_http_parse_LDADD = $(MX_TEST_LIBS)
tests_fuzz_replay_json_body_SOURCES = tests/fuzz/replay.c \
	tests/fuzz/fuzz_json_body.c
tests_fuzz_replay_json_body_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_CORPUS='"json_body"'
tests_fuzz_replay_json_body_LDADD = $(MX_TEST_LIBS)
tests_fuzz_replay_ws_message_SOURCES = tests/fuzz/replay.c \
	tests/fuzz/fuzz_ws_message.c
tests_fuzz_replay_ws_message_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_CORPUS='"ws_message"'
tests_fuzz_replay_ws_message_LDADD = $(MX_TEST_LIBS)
tests_fuzz_replay_link_body_SOURCES = tests/fuzz/replay.c \
	tests/fuzz/fuzz_link_body.c
tests_fuzz_replay_link_body_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_CORPUS='"link_body"'
tests_fuzz_replay_link_body_LDADD = $(MX_TEST_LIBS)
tests_fuzz_replay_delivery_SOURCES = tests/fuzz/replay.c \
	tests/fuzz/fuzz_delivery.c server/preview/delivery_parse.c
tests_fuzz_replay_delivery_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_CORPUS='"delivery"'
tests_fuzz_replay_delivery_LDADD = -lm
tests_fuzz_replay_cluster_event_SOURCES = tests/fuzz/replay.c \
	tests/fuzz/fuzz_cluster_event.c server/cluster/event.c
tests_fuzz_replay_cluster_event_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_CORPUS='"cluster_event"'
tests_fuzz_replay_cluster_event_LDADD = $(JANSSON_LIBS) $(SODIUM_LIBS)
tests_fuzz_replay_push_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_push.c
tests_fuzz_replay_push_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_CORPUS='"push"'
tests_fuzz_replay_push_LDADD = $(MX_TEST_LIBS)
tests_fuzz_replay_webhook_url_SOURCES = tests/fuzz/replay.c \
	tests/fuzz/fuzz_webhook_url.c
tests_fuzz_replay_webhook_url_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_CORPUS='"webhook_url"'
tests_fuzz_replay_webhook_url_LDADD = $(MX_TEST_LIBS)
tests_fuzz_replay_midi_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_midi.c
tests_fuzz_replay_midi_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_CORPUS='"midi"'
tests_fuzz_replay_midi_LDADD = $(MX_TEST_LIBS)
tests_fuzz_replay_dawproject_xml_SOURCES = tests/fuzz/replay.c \
	tests/fuzz/fuzz_dawproject_xml.c
tests_fuzz_replay_dawproject_xml_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_CORPUS='"dawproject_xml"'
tests_fuzz_replay_dawproject_xml_LDADD = $(MX_TEST_LIBS)
tests_fuzz_replay_dawproject_zip_SOURCES = tests/fuzz/replay.c \
	tests/fuzz/fuzz_dawproject_zip.c
tests_fuzz_replay_dawproject_zip_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_CORPUS='"dawproject_zip"'
tests_fuzz_replay_dawproject_zip_LDADD = $(MX_TEST_LIBS)
tests_fuzz_replay_s3_error_SOURCES = tests/fuzz/replay.c \
	tests/fuzz/fuzz_s3_error.c
tests_fuzz_replay_s3_error_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_CORPUS='"s3_error"'
tests_fuzz_replay_s3_error_LDADD = $(MX_TEST_LIBS)
# Shipped in the tarball: the scripts and every corpus file (the block
# between the markers is rewritten by tests/fuzz/gen_corpus.py).
EXTRA_DIST += tests/fuzz/run.sh tests/fuzz/lsan.supp tests/fuzz/gen_corpus.py
# corpus: begin
EXTRA_DIST += \
	tests/fuzz/corpus/cluster_event/bad-hex \
	tests/fuzz/corpus/cluster_event/dup-keys \
	tests/fuzz/corpus/cluster_event/empty \
	tests/fuzz/corpus/cluster_event/empty-user \
	tests/fuzz/corpus/cluster_event/link \
	tests/fuzz/corpus/cluster_event/long-project \
	tests/fuzz/corpus/cluster_event/member \
	tests/fuzz/corpus/cluster_event/no-node \
	tests/fuzz/corpus/cluster_event/not-json \
	tests/fuzz/corpus/cluster_event/not-object \
	tests/fuzz/corpus/cluster_event/nul-in-id \
	tests/fuzz/corpus/cluster_event/number-node \
	tests/fuzz/corpus/cluster_event/session \
	tests/fuzz/corpus/cluster_event/short-hash \
	tests/fuzz/corpus/cluster_event/unknown-kind \
	tests/fuzz/corpus/config/bad-host \
	tests/fuzz/corpus/config/bad-port \
	tests/fuzz/corpus/config/bad-value \
	tests/fuzz/corpus/config/comments-blank \
	tests/fuzz/corpus/config/crlf \
	tests/fuzz/corpus/config/empty-key \
	tests/fuzz/corpus/config/empty-value \
	tests/fuzz/corpus/config/ints-odd \
	tests/fuzz/corpus/config/localhost \
	tests/fuzz/corpus/config/long-comment-line \
	tests/fuzz/corpus/config/long-value \
	tests/fuzz/corpus/config/no-equals \
	tests/fuzz/corpus/config/no-newline-at-end \
	tests/fuzz/corpus/config/nul-in-line \
	tests/fuzz/corpus/config/ok-all \
	tests/fuzz/corpus/config/origin-bad \
	tests/fuzz/corpus/config/origins-17 \
	tests/fuzz/corpus/config/pair-demo \
	tests/fuzz/corpus/config/pair-level \
	tests/fuzz/corpus/config/pair-limit \
	tests/fuzz/corpus/config/pair-limit-bad \
	tests/fuzz/corpus/config/pair-listen \
	tests/fuzz/corpus/config/pair-nokey \
	tests/fuzz/corpus/config/pair-proxy \
	tests/fuzz/corpus/config/pair-sync \
	tests/fuzz/corpus/config/regress-listen-tail \
	tests/fuzz/corpus/config/regress-log-file \
	tests/fuzz/corpus/config/regress-long-comment \
	tests/fuzz/corpus/config/two-equals \
	tests/fuzz/corpus/config/unknown-key \
	tests/fuzz/corpus/dawproject_xml/bad-element \
	tests/fuzz/corpus/dawproject_xml/beats \
	tests/fuzz/corpus/dawproject_xml/doctype-external \
	tests/fuzz/corpus/dawproject_xml/doctype-internal \
	tests/fuzz/corpus/dawproject_xml/minimal \
	tests/fuzz/corpus/dawproject_xml/nested-tracks \
	tests/fuzz/corpus/dawproject_xml/no-transport \
	tests/fuzz/corpus/dawproject_xml/not-well-formed \
	tests/fuzz/corpus/dawproject_xml/path-escape \
	tests/fuzz/corpus/dawproject_xml/routing-loop \
	tests/fuzz/corpus/dawproject_xml/seconds \
	tests/fuzz/corpus/dawproject_zip/absolute \
	tests/fuzz/corpus/dawproject_zip/backslash \
	tests/fuzz/corpus/dawproject_zip/dirs \
	tests/fuzz/corpus/dawproject_zip/duplicate \
	tests/fuzz/corpus/dawproject_zip/empty \
	tests/fuzz/corpus/dawproject_zip/escape \
	tests/fuzz/corpus/dawproject_zip/not-zip \
	tests/fuzz/corpus/dawproject_zip/ok \
	tests/fuzz/corpus/dawproject_zip/stored \
	tests/fuzz/corpus/dawproject_zip/truncated \
	tests/fuzz/corpus/dawproject_zip/zeros \
	tests/fuzz/corpus/decode/f.flac \
	tests/fuzz/corpus/decode/f32.wav \
	tests/fuzz/corpus/decode/l.mp3 \
	tests/fuzz/corpus/decode/m.aiff \
	tests/fuzz/corpus/decode/o.opus \
	tests/fuzz/corpus/decode/s16.wav \
	tests/fuzz/corpus/decode/six.wav \
	tests/fuzz/corpus/decode/u8.wav \
	tests/fuzz/corpus/decode/v.ogg \
	tests/fuzz/corpus/decode/x24.wav \
	tests/fuzz/corpus/delivery/bad-tail \
	tests/fuzz/corpus/delivery/both-bad \
	tests/fuzz/corpus/delivery/dots \
	tests/fuzz/corpus/delivery/double-minus \
	tests/fuzz/corpus/delivery/empty \
	tests/fuzz/corpus/delivery/exponent \
	tests/fuzz/corpus/delivery/hex \
	tests/fuzz/corpus/delivery/inf \
	tests/fuzz/corpus/delivery/long-decimal \
	tests/fuzz/corpus/delivery/nan \
	tests/fuzz/corpus/delivery/not-a-number \
	tests/fuzz/corpus/delivery/space \
	tests/fuzz/corpus/delivery/tail1 \
	tests/fuzz/corpus/delivery/tail1-with-to \
	tests/fuzz/corpus/delivery/target-14 \
	tests/fuzz/corpus/delivery/target-16-tail0 \
	tests/fuzz/corpus/delivery/target-23-5 \
	tests/fuzz/corpus/delivery/too-high \
	tests/fuzz/corpus/delivery/too-low \
	tests/fuzz/corpus/http_parse/bare-name \
	tests/fuzz/corpus/http_parse/brace-pair \
	tests/fuzz/corpus/http_parse/cookie \
	tests/fuzz/corpus/http_parse/cookie-long \
	tests/fuzz/corpus/http_parse/cookie-quoted \
	tests/fuzz/corpus/http_parse/cookie-spaces \
	tests/fuzz/corpus/http_parse/cookie-suffix \
	tests/fuzz/corpus/http_parse/empty \
	tests/fuzz/corpus/http_parse/empty-params \
	tests/fuzz/corpus/http_parse/five-params \
	tests/fuzz/corpus/http_parse/long-segment \
	tests/fuzz/corpus/http_parse/name-with-eq \
	tests/fuzz/corpus/http_parse/only-path \
	tests/fuzz/corpus/http_parse/percent \
	tests/fuzz/corpus/http_parse/percent-00 \
	tests/fuzz/corpus/http_parse/plus \
	tests/fuzz/corpus/http_parse/regress-cookie-empty-name \
	tests/fuzz/corpus/http_parse/regress-outlen-zero \
	tests/fuzz/corpus/http_parse/route-assets \
	tests/fuzz/corpus/http_parse/segment-15 \
	tests/fuzz/corpus/http_parse/trailing-slash \
	tests/fuzz/corpus/http_parse/unclosed-brace \
	tests/fuzz/corpus/json_body/array \
	tests/fuzz/corpus/json_body/bad-json \
	tests/fuzz/corpus/json_body/bad-utf8 \
	tests/fuzz/corpus/json_body/big-int \
	tests/fuzz/corpus/json_body/deep \
	tests/fuzz/corpus/json_body/deep-object \
	tests/fuzz/corpus/json_body/dup-keys \
	tests/fuzz/corpus/json_body/empty \
	tests/fuzz/corpus/json_body/empty-object \
	tests/fuzz/corpus/json_body/lines \
	tests/fuzz/corpus/json_body/nested \
	tests/fuzz/corpus/json_body/nul-byte \
	tests/fuzz/corpus/json_body/nul-escape \
	tests/fuzz/corpus/json_body/number \
	tests/fuzz/corpus/json_body/object \
	tests/fuzz/corpus/json_body/string \
	tests/fuzz/corpus/json_body/surrogate \
	tests/fuzz/corpus/json_body/trailing \
	tests/fuzz/corpus/json_body/two-objects \
	tests/fuzz/corpus/json_body/whitespace \
	tests/fuzz/corpus/json_enc/big-int \
	tests/fuzz/corpus/json_enc/double-denormal \
	tests/fuzz/corpus/json_enc/double-minus14.5 \
	tests/fuzz/corpus/json_enc/empty-containers \
	tests/fuzz/corpus/json_enc/nested \
	tests/fuzz/corpus/json_enc/push-set \
	tests/fuzz/corpus/json_enc/real-decimal \
	tests/fuzz/corpus/json_enc/string-escapes \
	tests/fuzz/corpus/link_body/create-all \
	tests/fuzz/corpus/link_body/create-empty \
	tests/fuzz/corpus/link_body/create-exp-neg \
	tests/fuzz/corpus/link_body/create-exp-str \
	tests/fuzz/corpus/link_body/create-label-200 \
	tests/fuzz/corpus/link_body/create-label-201 \
	tests/fuzz/corpus/link_body/create-label-nul \
	tests/fuzz/corpus/link_body/create-ok \
	tests/fuzz/corpus/link_body/create-pin-only \
	tests/fuzz/corpus/link_body/create-pin-str \
	tests/fuzz/corpus/link_body/create-pw-empty \
	tests/fuzz/corpus/link_body/create-pw-nul \
	tests/fuzz/corpus/link_body/create-right-bad \
	tests/fuzz/corpus/link_body/create-right-num \
	tests/fuzz/corpus/link_body/create-rights-str \
	tests/fuzz/corpus/link_body/create-unknown \
	tests/fuzz/corpus/link_body/create-uses-0 \
	tests/fuzz/corpus/link_body/create-uses-big \
	tests/fuzz/corpus/link_body/create-uses-neg \
	tests/fuzz/corpus/link_body/create-uses-real \
	tests/fuzz/corpus/link_body/create-version-num \
	tests/fuzz/corpus/link_body/session-name-40-utf8 \
	tests/fuzz/corpus/link_body/session-name-41 \
	tests/fuzz/corpus/link_body/session-name-empty \
	tests/fuzz/corpus/link_body/session-name-nul \
	tests/fuzz/corpus/link_body/session-name-num \
	tests/fuzz/corpus/link_body/session-name-space \
	tests/fuzz/corpus/link_body/session-name-tab \
	tests/fuzz/corpus/link_body/session-none \
	tests/fuzz/corpus/link_body/session-ok \
	tests/fuzz/corpus/link_body/session-pw \
	tests/fuzz/corpus/link_body/session-pw-num \
	tests/fuzz/corpus/midi/bad-header \
	tests/fuzz/corpus/midi/big-delta \
	tests/fuzz/corpus/midi/controllers \
	tests/fuzz/corpus/midi/data-high \
	tests/fuzz/corpus/midi/format2 \
	tests/fuzz/corpus/midi/header-short \
	tests/fuzz/corpus/midi/long-header \
	tests/fuzz/corpus/midi/meta-past-end \
	tests/fuzz/corpus/midi/names-utf8 \
	tests/fuzz/corpus/midi/nine-pending \
	tests/fuzz/corpus/midi/no-end-of-track \
	tests/fuzz/corpus/midi/overlap-same-pitch \
	tests/fuzz/corpus/midi/running-no-status \
	tests/fuzz/corpus/midi/smpte \
	tests/fuzz/corpus/midi/status-f4 \
	tests/fuzz/corpus/midi/sysex \
	tests/fuzz/corpus/midi/too-few-tracks \
	tests/fuzz/corpus/midi/track-length-past-end \
	tests/fuzz/corpus/midi/truncated \
	tests/fuzz/corpus/midi/type0-running \
	tests/fuzz/corpus/midi/type1 \
	tests/fuzz/corpus/midi/unclosed \
	tests/fuzz/corpus/midi/unknown-chunk \
	tests/fuzz/corpus/midi/vlq-5 \
	tests/fuzz/corpus/midi/zero-length \
	tests/fuzz/corpus/multipart/after-close \
	tests/fuzz/corpus/multipart/bad-boundary-line \
	tests/fuzz/corpus/multipart/boundary-1 \
	tests/fuzz/corpus/multipart/boundary-70 \
	tests/fuzz/corpus/multipart/boundary-71 \
	tests/fuzz/corpus/multipart/crcrlf \
	tests/fuzz/corpus/multipart/cut-off \
	tests/fuzz/corpus/multipart/empty-filename \
	tests/fuzz/corpus/multipart/escaped-filename \
	tests/fuzz/corpus/multipart/huge-header \
	tests/fuzz/corpus/multipart/lf-only \
	tests/fuzz/corpus/multipart/no-file \
	tests/fuzz/corpus/multipart/no-headers \
	tests/fuzz/corpus/multipart/not-multipart \
	tests/fuzz/corpus/multipart/note-and-file \
	tests/fuzz/corpus/multipart/padding-after-boundary \
	tests/fuzz/corpus/multipart/path-filename \
	tests/fuzz/corpus/multipart/preamble \
	tests/fuzz/corpus/multipart/quoted-boundary \
	tests/fuzz/corpus/multipart/raw-boundary-line \
	tests/fuzz/corpus/multipart/simple \
	tests/fuzz/corpus/multipart/two-files \
	tests/fuzz/corpus/push/bad-id \
	tests/fuzz/corpus/push/bytes-ff \
	tests/fuzz/corpus/push/bytes-ramp \
	tests/fuzz/corpus/push/bytes-zero \
	tests/fuzz/corpus/push/clip-on-bus \
	tests/fuzz/corpus/push/create-automation \
	tests/fuzz/corpus/push/create-bus-route \
	tests/fuzz/corpus/push/create-clip \
	tests/fuzz/corpus/push/create-clip-not-ready \
	tests/fuzz/corpus/push/create-clip-too-long \
	tests/fuzz/corpus/push/create-effect-delay \
	tests/fuzz/corpus/push/create-eq-bands \
	tests/fuzz/corpus/push/create-existing \
	tests/fuzz/corpus/push/create-marker \
	tests/fuzz/corpus/push/create-send \
	tests/fuzz/corpus/push/create-track \
	tests/fuzz/corpus/push/cycle \
	tests/fuzz/corpus/push/delete-bus-in-use \
	tests/fuzz/corpus/push/delete-effect-automated \
	tests/fuzz/corpus/push/delete-instrument-track \
	tests/fuzz/corpus/push/delete-missing \
	tests/fuzz/corpus/push/delete-project \
	tests/fuzz/corpus/push/delete-then-recreate \
	tests/fuzz/corpus/push/delete-track-cascade \
	tests/fuzz/corpus/push/empty-array \
	tests/fuzz/corpus/push/frames-max \
	tests/fuzz/corpus/push/instrument-bad \
	tests/fuzz/corpus/push/instrument-notes \
	tests/fuzz/corpus/push/instrument-on-audio \
	tests/fuzz/corpus/push/instrument-type-change \
	tests/fuzz/corpus/push/long-id \
	tests/fuzz/corpus/push/many-ops \
	tests/fuzz/corpus/push/missing-asset \
	tests/fuzz/corpus/push/missing-ref \
	tests/fuzz/corpus/push/no-fields \
	tests/fuzz/corpus/push/not-an-array \
	tests/fuzz/corpus/push/not-objects \
	tests/fuzz/corpus/push/note-bad-pitch \
	tests/fuzz/corpus/push/note-on-audio-clip \
	tests/fuzz/corpus/push/note-ticks-max \
	tests/fuzz/corpus/push/role-instrument-clips \
	tests/fuzz/corpus/push/send-cycle \
	tests/fuzz/corpus/push/set-clip-fades \
	tests/fuzz/corpus/push/set-effect-params \
	tests/fuzz/corpus/push/set-effect-type \
	tests/fuzz/corpus/push/set-missing \
	tests/fuzz/corpus/push/set-project \
	tests/fuzz/corpus/push/set-role-clips \
	tests/fuzz/corpus/push/set-role-in-use \
	tests/fuzz/corpus/push/text-too-long \
	tests/fuzz/corpus/push/unknown-field \
	tests/fuzz/corpus/push/unknown-kind \
	tests/fuzz/corpus/push/unknown-op \
	tests/fuzz/corpus/push/wrong-type \
	tests/fuzz/corpus/s3_error/control-chars \
	tests/fuzz/corpus/s3_error/denied \
	tests/fuzz/corpus/s3_error/empty \
	tests/fuzz/corpus/s3_error/empty-code \
	tests/fuzz/corpus/s3_error/entity \
	tests/fuzz/corpus/s3_error/long \
	tests/fuzz/corpus/s3_error/no-message \
	tests/fuzz/corpus/s3_error/not-error \
	tests/fuzz/corpus/s3_error/not-xml \
	tests/fuzz/corpus/s3_error/signature \
	tests/fuzz/corpus/s3_error/url-long \
	tests/fuzz/corpus/s3_error/url-ok \
	tests/fuzz/corpus/s3_error/url-path \
	tests/fuzz/corpus/s3_error/url-scheme \
	tests/fuzz/corpus/s3_error/url-short \
	tests/fuzz/corpus/s3_error/url-slash \
	tests/fuzz/corpus/s3_error/url-upper \
	tests/fuzz/corpus/webhook_url/ctrl \
	tests/fuzz/corpus/webhook_url/decimal-ip \
	tests/fuzz/corpus/webhook_url/file \
	tests/fuzz/corpus/webhook_url/ftp \
	tests/fuzz/corpus/webhook_url/gopher \
	tests/fuzz/corpus/webhook_url/hex-ip \
	tests/fuzz/corpus/webhook_url/http \
	tests/fuzz/corpus/webhook_url/https-port \
	tests/fuzz/corpus/webhook_url/ipv6 \
	tests/fuzz/corpus/webhook_url/ipv6-zone \
	tests/fuzz/corpus/webhook_url/long-host \
	tests/fuzz/corpus/webhook_url/mapped \
	tests/fuzz/corpus/webhook_url/no-host \
	tests/fuzz/corpus/webhook_url/no-scheme \
	tests/fuzz/corpus/webhook_url/port-big \
	tests/fuzz/corpus/webhook_url/port-zero \
	tests/fuzz/corpus/webhook_url/regress-one-slash \
	tests/fuzz/corpus/webhook_url/upper \
	tests/fuzz/corpus/webhook_url/userinfo \
	tests/fuzz/corpus/webhook_url/v4-bytes \
	tests/fuzz/corpus/ws_message/at-neg \
	tests/fuzz/corpus/ws_message/bad-id \
	tests/fuzz/corpus/ws_message/bad-utf8 \
	tests/fuzz/corpus/ws_message/body-empty \
	tests/fuzz/corpus/ws_message/body-long \
	tests/fuzz/corpus/ws_message/body-nul \
	tests/fuzz/corpus/ws_message/client-bad \
	tests/fuzz/corpus/ws_message/client-long \
	tests/fuzz/corpus/ws_message/color-bad \
	tests/fuzz/corpus/ws_message/color-loose \
	tests/fuzz/corpus/ws_message/cut-utf8-type \
	tests/fuzz/corpus/ws_message/deep \
	tests/fuzz/corpus/ws_message/dup-keys \
	tests/fuzz/corpus/ws_message/gain-huge \
	tests/fuzz/corpus/ws_message/gain-str \
	tests/fuzz/corpus/ws_message/no-type \
	tests/fuzz/corpus/ws_message/not-json \
	tests/fuzz/corpus/ws_message/not-object \
	tests/fuzz/corpus/ws_message/ok \
	tests/fuzz/corpus/ws_message/ok-min \
	tests/fuzz/corpus/ws_message/regress-cut-utf8 \
	tests/fuzz/corpus/ws_message/rev-bool \
	tests/fuzz/corpus/ws_message/rev-int \
	tests/fuzz/corpus/ws_message/seq-big \
	tests/fuzz/corpus/ws_message/seq-missing \
	tests/fuzz/corpus/ws_message/seq-null \
	tests/fuzz/corpus/ws_message/seq-real \
	tests/fuzz/corpus/ws_message/type-number \
	tests/fuzz/corpus/ws_message/view-items \
	tests/fuzz/corpus/ws_message/view-short
# corpus: end
