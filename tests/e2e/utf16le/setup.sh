# shellcheck shell=bash
# Builds input.bin: a 4-byte binary header (with a NUL, so auto mode turns
# UTF-16LE matching on), text encoded as UTF-16LE, then plain ASCII text.
set -e
u16() { # ASCII text -> UTF-16LE, without iconv
    local s=$1 i
    for ((i = 0; i < ${#s}; i++)); do printf '%s\000' "${s:i:1}"; done
}
wide='run C:\Windows\Temp\utf16-evil.exe; beacon https://beacon.utf16-c2.example/x mutex Global\Utf16Mutex; misses xutf16-evil.exe notutf16-c2.example utf16-c2.example.net global\utf16mutex 1192.0.2.16 192.0.2.160; ip 192.0.2.16 hits in UTF-16 too'
{
    printf 'MZ\220\000'
    u16 "$wide"
    printf '\nascii part: utf16-evil.exe utf16-c2.example Global\\Utf16Mutex 192.0.2.16\n'
} > input.bin
