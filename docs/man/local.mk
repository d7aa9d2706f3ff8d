# docs/man/local.mk -- mixroom(1) and mixroom.conf(5), printed by the built
# binary (`mixroom help-man 1|5`, server/app/cli_man.c) from the same
# tables as `mixroom serve --help` and the subcommands' own --help, so the
# pages cannot drift from the program. (Cross-compiling would need a
# native mixroom to run here; not supported.)
nodist_man_MANS = docs/man/mixroom.1 docs/man/mixroom.conf.5
CLEANFILES += $(nodist_man_MANS)

docs/man/mixroom.1: mixroom$(EXEEXT)
	$(AM_V_GEN)$(MKDIR_P) docs/man && \
	./mixroom$(EXEEXT) help-man 1 > $@.tmp && mv $@.tmp $@
docs/man/mixroom.conf.5: mixroom$(EXEEXT)
	$(AM_V_GEN)$(MKDIR_P) docs/man && \
	./mixroom$(EXEEXT) help-man 5 > $@.tmp && mv $@.tmp $@
