/* fake_wslhost.c: built as wslhost.exe for the Windows tests only. It stays
 * alive for a while (or until killed) so that hvvmid --wsl can find it and
 * read its command line, as it reads the real wslhost.exe's --vm-id. */
#include <windows.h>

int main(int argc, char **argv)
{
    int i;
    (void)argc;
    (void)argv;
    for (i = 0; i < 60; i++) /* 30 s at most */
        Sleep(500);
    return 0;
}
