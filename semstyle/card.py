"""The model card (README.md) of a model folder, with the Hub's YAML metadata."""
from __future__ import annotations

import re
from pathlib import Path

from huggingface_hub import ModelCard, ModelCardData

from .config import ModelConfig

_TEMPLATE = """---
{{ card_data }}
---

# {{ title }}

A [semstyle](https://github.com/semstyle/semstyle) {{ kind_text }}: GAN-based, semantics-preserving style
transfer. A feed-forward generator keeps the photo's objects recognisable (a content loss on high-level
VGG16 features) while {{ d_text }} and a style loss pull colour, texture and shape towards the style.

{% if has_style %}| style | samples (content · style crop · output) |
|---|---|
| ![style](style.jpg) | ![samples](samples.png) |
{% endif %}
## Use

```python
from semstyle import StylePipeline
from PIL import Image

pipe = StylePipeline.from_pretrained("{{ repo_hint }}")
{% if arbitrary %}out = pipe(Image.open("photo.jpg"), style=Image.open("painting.jpg"), strength=1.0){% else %}out = pipe(Image.open("photo.jpg"), strength=1.0){% endif %}
out.save("stylised.png")
```

## Training

{{ n_style_images }} style image(s); {{ skipped }} unreadable file(s) skipped. Settings (`train.py`):

```json
{{ training_json }}
```

{{ extra }}
## Credits

- Feature loss and style encoder: VGG16 (Simonyan & Zisserman, 2015, "Very Deep Convolutional Networks for
  Large-Scale Image Recognition"), ImageNet weights as published by torchvision, CC BY 4.0.
- Method: GAN (Goodfellow et al., 2014) with a perceptual content loss (Johnson et al., 2016); style
  statistics modulation after AdaIN (Huang & Belongie, 2017) and Ghiasi et al. (2017).
"""


_D_TEXT = {"pixels": "a patch discriminator on the image", "features": "a discriminator on those VGG16 features"}


def write_model_card(folder: Path, config: ModelConfig, n_style_images: int = 1, skipped: int = 0, extra: str = "", license: str = "mit",
                     repo_hint: str | None = None) -> Path:
    """README.md in `folder`; its usage snippet loads `repo_hint` (default: the folder itself)."""
    import json

    arbitrary = config.kind == "arbitrary"
    data = ModelCardData(
        library_name="semstyle", pipeline_tag="image-to-image", license=license,
        tags=["style-transfer", "gan", "semstyle"] + (["arbitrary-style"] if arbitrary else []),
    )
    title = config.style_name or ("semstyle universal (any style)" if arbitrary else "semstyle style")
    card = ModelCard.from_template(
        data, template_str=_TEMPLATE, title=title, arbitrary=arbitrary,
        kind_text="arbitrary-style model (any style image at run time)" if arbitrary else "per-style model (the style is in the weights)",
        has_style=(folder / "style.jpg").is_file(), repo_hint=repo_hint or str(folder), n_style_images=n_style_images, skipped=skipped,
        training_json=json.dumps(config.training, indent=2, sort_keys=True), extra=extra, d_text=_D_TEXT[config.training.get("discriminator", "pixels")],
    )
    path = Path(folder) / "README.md"
    card.save(path)
    return path


def set_card_usage(folder: Path, repo_hint: str) -> None:
    """Point the card's usage snippet at `repo_hint`: the trainer writes the folder it exported to, which is wrong
    once the folder is copied elsewhere (models/NAME) or uploaded (a Hub repo id)."""
    path = Path(folder) / "README.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r'from_pretrained\("[^"]*"\)', lambda _: f'from_pretrained("{repo_hint}")', text, count=1),
                    encoding="utf-8")
