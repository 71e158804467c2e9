# The bridge's tests.  Each area appends its own lines below.

# pm_bridge_test(NAME SOURCES...): a cmocka test linked with bridge/.
function(pm_bridge_test name)
  pm_unit_test(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE postmask_bridge)
endfunction()
