from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClinicalConfig(AppConfig):
    name = "clinical"
    verbose_name = _("Clinical records")

    def ready(self) -> None:
        from django.conf import settings
        from PIL import Image

        # Pillow refuses to open images declaring more pixels than this (decompression bombs);
        # clinical/photos.py checks the same limit itself before decoding.
        Image.MAX_IMAGE_PIXELS = settings.CLINICAL_PHOTO_MAX_PIXELS
