// One shape's C++ binding on its own (the C layout declared by the .hpp).
#include SHAPE_HPP
