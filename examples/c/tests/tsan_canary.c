/* A deliberate data race, built by scripts/c-ci.sh with -fsanitize=thread and expected to be
 * REPORTED: it proves ThreadSanitizer is active, so that a clean test_threads run means
 * something. Not part of the CMake build. */
#include <pthread.h>
#include <stdio.h>

static int counter;

static void *bump(void *arg) {
    (void)arg;
    for (int i = 0; i < 100000; i++) {
        counter++;
    }
    return NULL;
}

int main(void) {
    pthread_t a, b;
    pthread_create(&a, NULL, bump, NULL);
    pthread_create(&b, NULL, bump, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("counter %d\n", counter);
    return 0;
}
