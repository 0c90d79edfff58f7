// Compiled as C++14 by the tests: the header must stop with its own message.
#include <rudder_group.hpp>
int main() {
    return 0;
}
