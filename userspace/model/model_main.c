// SPDX-License-Identifier: GPL-2.0
/* qnet-model: the model tool on its own; `qnetctl model` runs the same. */
#include "qmodel.h"

int main(int argc, char **argv)
{
	return qmodel_main(argc, argv);
}
