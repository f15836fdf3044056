# rp2: how much flash the board leaves the firmware, and which profile fits
# in it.  Included by micropython.cmake before the profile is chosen.
#
# The area comes from the board definition itself, so a board of the user's
# own (BOARD_DIR=..., e.g. a copy with a smaller filesystem) gets it too:
#   flash size (PICO_FLASH_SIZE_BYTES, the board's pico-sdk header)
#   - MICROPY_HW_FLASH_STORAGE_BYTES (the board's mpconfigboard.h).
# The filesystem is never moved for you: users' files live there and a
# firmware upgrade must not erase them (docs/building.md, "Which rp2 boards
# fit").
#
# The profile: the largest whose measured image (micropython/rp2-sizes.txt,
# for this board, or the board a copy was made from) leaves MODSSL_MIN_SPARE bytes (default 64,000) before the
# filesystem; `general` for a board not measured.  A board where no measured
# profile fits is refused here, in a second, rather than by the link check
# after the whole build.  MODSSL_PROFILE or MODSSL_IMAGE_LIMIT given by the
# user skip the choice and the refusal (the link check stays).

if(NOT DEFINED MODSSL_MIN_SPARE)
    set(MODSSL_MIN_SPARE 64000)
endif()

# ---- the area ---------------------------------------------------------------
function(modssl_rp2_define_value file name out)
    set(${out} "" PARENT_SCOPE)
    if(NOT EXISTS "${file}")
        return()
    endif()
    file(STRINGS "${file}" lines REGEX "^[ \t]*#define[ \t]+${name}[ \t]")
    if(NOT lines)
        return()
    endif()
    list(GET lines 0 line)
    string(REGEX REPLACE "^[ \t]*#define[ \t]+${name}[ \t]+" "" value "${line}")
    string(REGEX REPLACE "[ \t]*//.*$" "" value "${value}")
    set(${out} "${value}" PARENT_SCOPE)
endfunction()

set(MODSSL_USER_IMAGE_LIMIT ${MODSSL_IMAGE_LIMIT})
if(NOT DEFINED MODSSL_IMAGE_LIMIT)
    set(MODSSL_IMAGE_LIMIT 0)
    set(_flash "${PICO_FLASH_SIZE_BYTES}")
    if(NOT _flash)
        modssl_rp2_define_value("${PICO_BOARD_HEADER_FILE}" PICO_FLASH_SIZE_BYTES _flash)
    endif()
    modssl_rp2_define_value("${MICROPY_BOARD_DIR}/mpconfigboard.h" MICROPY_HW_FLASH_STORAGE_BYTES _storage)
    string(REPLACE "PICO_FLASH_SIZE_BYTES" "(${_flash})" _storage "${_storage}")
    # Only plain arithmetic goes to math(EXPR), which would stop cmake on
    # anything else.
    if(_flash MATCHES "^[0-9 ()*+-]+$" AND _storage MATCHES "^[0-9 ()*+-]+$")
        math(EXPR MODSSL_IMAGE_LIMIT "(${_flash}) - (${_storage})")
        message(STATUS "modssl-rs: ${MICROPY_BOARD}: ${MODSSL_IMAGE_LIMIT} B of flash before the filesystem "
            "(flash ${_flash} - MICROPY_HW_FLASH_STORAGE_BYTES ${_storage})")
    else()
        message(WARNING "modssl-rs: cannot work out ${MICROPY_BOARD}'s firmware area (flash '${_flash}', "
            "MICROPY_HW_FLASH_STORAGE_BYTES '${_storage}'); set MODSSL_IMAGE_LIMIT (bytes) to check that the "
            "image fits before the filesystem")
    endif()
endif()

# ---- the profile ------------------------------------------------------------
# rp2-sizes.txt rows: board micropython profile image date.  This tree's
# version if it has rows for it, else the newest measured.
execute_process(COMMAND sh ${MODSSL_ROOT}/scripts/mpy-version.sh ${MICROPY_DIR}
    OUTPUT_VARIABLE MODSSL_MPY_VERSION OUTPUT_STRIP_TRAILING_WHITESPACE)

# A copy made by scripts/rp2-board-copy.sh (<BOARD>_FS<n>K) has its
# original's code, so its original's sizes.
string(REGEX REPLACE "_FS[0-9]+K$" "" MODSSL_MEASURED_BOARD "${MICROPY_BOARD}")
file(STRINGS "${CMAKE_CURRENT_LIST_DIR}/rp2-sizes.txt" _rows REGEX "^${MODSSL_MEASURED_BOARD}[ \t]")
set(_versions)
foreach(_row IN LISTS _rows)
    string(REGEX REPLACE "[ \t]+" ";" _f "${_row}")
    list(GET _f 1 _v)
    list(APPEND _versions ${_v})
endforeach()
set(_use "")
if(MODSSL_MPY_VERSION IN_LIST _versions)
    set(_use ${MODSSL_MPY_VERSION})
elseif(_versions)
    list(SORT _versions COMPARE NATURAL ORDER DESCENDING)
    list(GET _versions 0 _use)
endif()
set(MODSSL_MEASURED "")   # "profile=image" for this board, largest profile first
foreach(_p full general client small-client minimal)
    foreach(_row IN LISTS _rows)
        string(REGEX REPLACE "[ \t]+" ";" _f "${_row}")
        list(GET _f 1 _v)
        list(GET _f 2 _rp)
        list(GET _f 3 _image)
        if(_v STREQUAL _use AND _rp STREQUAL _p)
            list(APPEND MODSSL_MEASURED "${_p}=${_image}")
        endif()
    endforeach()
endforeach()

if(NOT MODSSL_PROFILE AND NOT DEFINED MODSSL_USER_IMAGE_LIMIT AND MODSSL_MEASURED AND MODSSL_IMAGE_LIMIT GREATER 0)
    set(_sizes "")
    foreach(_e IN LISTS MODSSL_MEASURED)
        string(REPLACE "=" ";" _pi "${_e}")
        list(GET _pi 0 _p)
        list(GET _pi 1 _image)
        string(APPEND _sizes " ${_p} ${_image} B;")
        math(EXPR _spare "${MODSSL_IMAGE_LIMIT} - ${_image}")
        if(NOT MODSSL_PROFILE AND _spare GREATER_EQUAL MODSSL_MIN_SPARE)
            set(MODSSL_PROFILE ${_p})
            message(STATUS "modssl-rs: ${MICROPY_BOARD}: profile ${_p} (measured ${_image} B with MicroPython "
                "${_use}, ${_spare} B spare)")
        endif()
    endforeach()
    if(NOT MODSSL_PROFILE)
        message(FATAL_ERROR "modssl-rs: ${MICROPY_BOARD} cannot hold this module: its firmware area is "
            "${MODSSL_IMAGE_LIMIT} B (flash minus its filesystem), and the images measured with it "
            "(MicroPython ${_use}, micropython/rp2-sizes.txt) are:${_sizes} none leaves the "
            "${MODSSL_MIN_SPARE} B spare this project keeps. Changing the board's filesystem layout would "
            "erase users' files on upgrade, so it is not done for you: to use it anyway, make a board "
            "definition of your own with a smaller MICROPY_HW_FLASH_STORAGE_BYTES "
            "(scripts/rp2-board-copy.sh; docs/building.md, \"Which rp2 boards fit\").")
    endif()
endif()
