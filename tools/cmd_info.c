/* placeholder: being written */
#include "trawl_common.h"
