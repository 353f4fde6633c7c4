"""Work-arounds for eth-brownie 1.22.2, which ships some modules compiled with mypyc whose type
checks reject valid objects. Their plain Python sources ship beside them and work."""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def pure_python(module_name: str) -> ModuleType:
    """Load `module_name` from its .py source rather than its compiled extension."""
    compiled = importlib.import_module(module_name)
    source = Path(compiled.__file__).with_suffix("")
    source = source.with_name(source.name.split(".")[0] + ".py")
    spec = importlib.util.spec_from_file_location(f"{module_name}_pure", source)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# brownie.test.stateful's compiled state_machine refuses the very class it generates.
state_machine = pure_python("brownie.test.stateful").state_machine
