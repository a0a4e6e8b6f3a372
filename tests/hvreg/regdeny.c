/* regdeny.c: a Windows test helper for hvreg's access-denied path. Under
 * Wine every process is an administrator, so the test takes write access
 * away instead: "regdeny deny" puts a DACL on the GuestCommunicationServices
 * key that denies KEY_SET_VALUE, KEY_CREATE_SUB_KEY and DELETE to Everyone
 * (not KEY_WRITE: it holds READ_CONTROL, which reading needs too);
 * "regdeny allow" gives full access back (the owner may always change the
 * DACL). Exit 0 on success. */
#include <windows.h>
#include <sddl.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    const wchar_t *sddl = L"D:(A;OICI;KA;;;WD)";
    PSECURITY_DESCRIPTOR sd;
    HKEY h;
    LONG st;

    if (argc != 2 || (strcmp(argv[1], "deny") != 0 && strcmp(argv[1], "allow") != 0)) {
        fprintf(stderr, "usage: regdeny deny|allow\n");
        return 2;
    }
    if (strcmp(argv[1], "deny") == 0)
        sddl = L"D:(D;OICI;0x10006;;;WD)(A;OICI;KA;;;WD)";
    st = RegCreateKeyExW(HKEY_LOCAL_MACHINE,
                         L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\"
                         L"Virtualization\\GuestCommunicationServices",
                         0, NULL, 0, WRITE_DAC | KEY_WOW64_64KEY, NULL, &h, NULL);
    if (st != ERROR_SUCCESS) {
        fprintf(stderr, "regdeny: open: error %ld\n", (long)st);
        return 1;
    }
    if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, SDDL_REVISION_1,
                                                              &sd, NULL)) {
        fprintf(stderr, "regdeny: SDDL: error %lu\n", (unsigned long)GetLastError());
        return 1;
    }
    st = RegSetKeySecurity(h, DACL_SECURITY_INFORMATION, sd);
    LocalFree(sd);
    RegCloseKey(h);
    if (st != ERROR_SUCCESS) {
        fprintf(stderr, "regdeny: set DACL: error %ld\n", (long)st);
        return 1;
    }
    return 0;
}
