#ifndef GRIDWORK_CLIBPQ_SHIM_H
#define GRIDWORK_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
