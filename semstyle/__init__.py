"""semstyle: GAN-based, semantics-preserving image style transfer."""
from .config import ConfigError, GeneratorConfig, ModelConfig
from .modeling import ModelLoadError, StyleModel
from .pipeline import StylePipeline

__version__ = "0.1.0"
__all__ = ["StylePipeline", "StyleModel", "ModelConfig", "GeneratorConfig", "ConfigError", "ModelLoadError", "__version__"]
