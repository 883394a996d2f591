/* The container's program in the hello-world example: built with
 * gcc -static so the rootfs needs nothing else. */
#include <stdio.h>

int main(void) {
  printf("Hello World\n");
  return 0;
}
