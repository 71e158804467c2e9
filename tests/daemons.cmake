pm_script_test(daemons daemons.sh)
